"""ipywidgets explorers: thin wiring from sliders to pure functions in cnnkit.

One module per notebook topic, all importable from here. Every explorer's drawing logic is a
pure function (tested over the whole range of every control); the widget only connects
control values to it, and shows a friendly message for impossible combinations.
"""
__all__: list[str] = []
