"""The sandbox's HTTP layer (see ``kalshi_nb.sandbox.server`` for the routes and the rules they follow).

``routes`` holds the URL rules, ``wire`` the query parsing and response bytes, ``requestlog`` the request
log, ``api`` and ``control`` the handlers, ``app`` the WSGI application that ties them together, and
``serving`` the request handler and the threaded server.
"""
