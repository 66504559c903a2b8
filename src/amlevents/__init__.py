"""amlevents: manage Event Grid event subscriptions on Azure Machine Learning workspaces."""

__version__ = "0.1.0"
