"""Microsoft.ResourceGraph: the ``resources`` query over the seeded workspaces (``query.py`` the KQL subset,
``service.py`` scoping, access, paging and the answer, ``quota.py`` the per-user quota, ``handlers.py``)."""
