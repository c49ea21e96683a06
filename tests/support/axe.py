"""axe-core (Deque's accessibility engine, shipped inside axe-playwright-python) run in the
real browser on a page, as our accessibility check: no serious or critical violation."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

SERIOUS = {"serious", "critical"}
_axe = Axe()


def serious_violations(page) -> list[str]:
    """Each serious or critical violation on the page now, as "rule: selector, ...". WCAG 2.x
    A and AA rules plus axe's best practices."""
    results = _axe.run(page, options={"resultTypes": ["violations"],
                                      "runOnly": {"type": "tag",
                                                  "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]}})
    return [
        f"{v['id']}: {', '.join(str(node['target']) for node in v['nodes'][:5])}"
        for v in results.response["violations"] if v["impact"] in SERIOUS
    ]
