"""What the emulator fakes of Microsoft.EventGrid: event subscriptions (on a workspace and under system topics),
system topics and the operations behind their long-running requests.

    contract.py       the service's facts (writable fields, defaults, limits), stated here from the swagger
    validation.py     request rules: a PUT body checked and normalized, a PATCH merged, schema changes refused
    subscriptions.py  topics.py   the backend's Event Grid halves (mixins of ``runtime.backend.Backend``)
    operations.py     long-running operations (Azure-AsyncOperation status, provisioning delay, failures)
    views.py          stored documents -> the JSON the service returns (secrets hidden, read-time defaults)
    handlers.py       parse a request, call the backend, serialise (LRO headers point at operations.py's records)
"""
