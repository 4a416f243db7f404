"""The words on screen, one catalogue: each maps the outcomes of services to Russian, and each message is written once.

Services, models, billing and messaging speak in outcomes (enums and small frozen dataclasses); states, pages,
routes and the command line read their words here. A module per area of the UI; `common` holds what several share.
"""
