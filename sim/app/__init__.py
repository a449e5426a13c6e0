"""The interactive teaching app: Mesa's SolaraViz with a scenario picker, a live picture of one
hospital's organisation and outcome plots (``leadsim app``; see ``docs/TEACHING.md``).

Modules: :mod:`.model` (the classroom-sized model SolaraViz rebuilds on Reset), :mod:`.series`
(the plotted time series), :mod:`.organisation_view` and :mod:`.plots` (matplotlib drawings, also
usable in notebooks), :mod:`.page` (the Solara page; imports Solara), :mod:`.assets` (Solara's web
files for offline machines). Only :mod:`.page` and :mod:`.assets` need Solara.
"""
