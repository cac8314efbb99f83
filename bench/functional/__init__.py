"""Our German functional test suite for comment moderation: cases written by us (templates
filled with each identity group, and hand-written ones), the expansion into cases, and the
measures (share decided right per functionality, subgroup AUCs per group).

``bench/functional.py`` runs it; ``tests/test_functional_suite.py`` holds the floors.
"""
