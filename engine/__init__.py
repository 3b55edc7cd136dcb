"""rectify engine: checklist loading, workflows, journal and reports."""
