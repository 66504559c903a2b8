"""Pure-Python core of amlevents: no azure, typer or rich imports here (a test enforces it)."""
