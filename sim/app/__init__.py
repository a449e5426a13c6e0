"""The interactive teaching app: a Solara page over the Mesa model with a scenario picker, a
preset, sliders, a live picture of one hospital's organisation, outcome charts, an Info panel and
export (``leadsim app``; see ``docs/TEACHING.md``).

Modules: :mod:`.model` (the classroom-sized model, its sliders and presets), :mod:`.series` (the
charted time series and the charts' definitions), :mod:`.svg` and :mod:`.live` (the live views as
SVG, a few milliseconds a week), :mod:`.organisation_view` and :mod:`.plots` (the same views with
matplotlib, for the PNG export and notebooks), :mod:`.export` (CSV and PNG of a run),
:mod:`.info` (the Info panel's text), :mod:`.page` (the Solara page; imports Solara),
:mod:`.assets` (Solara's web files for offline machines). Only :mod:`.page` and :mod:`.assets`
need Solara.
"""
