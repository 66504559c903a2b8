"""What the emulator fakes of Microsoft.Authorization: role-based access control on every request and the
permissions, role assignment and role definition reads.

    rbac.py      which principal may do which action at which scope (the rules: ``amlevents.core.access``)
    views.py     role assignments and role definitions as ARM returns them
    handlers.py  the permissions, role assignment and role definition reads (with their OData ``$filter``)
"""
