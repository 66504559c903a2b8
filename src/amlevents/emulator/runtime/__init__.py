"""The emulator's machinery, shared by every provider it fakes: the threaded HTTPS server and its TLS, the WSGI
app (faults, auth, routing, RBAC, request log), the admin API, the domain backend and its SQLite store, the seeded
world, ARM's error format, paging and OData ``$filter``.

    server.py  tls.py        EmulatorServer (start/stop, ready_info) and the local CA
    app.py  admin.py         the WSGI app and the ``/_emulator/`` endpoints
    routes.py  handlers.py   path regex -> handler + RBAC action; the handlers' shared Context/Reply/paging and the
                             seeded world's reads (workspaces.py: workspaces as ARM resources)
    backend.py  store.py     the domain (state, ``reset()``) and its transactions
    seed.py  faults.py       the seeded world; injected faults
    errors.py  wirejson.py  paging.py  odata.py   ARM's wire conventions
"""
