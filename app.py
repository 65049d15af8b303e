"""The shop API under Chalice, for `chalice local` and in-process tests; never deployed.

infra/template.yaml is what deploys the API: one Lambda function per route. This app
serves the same routes by calling those very handlers (see shared.chalice_routes), and
tests/unit/test_routes_match_template.py fails when the two disagree.

Against the stack deployed on the local emulator (stack `shop`, port 4566):

    .venv/bin/chalice local --stage local --port 8000
"""
from __future__ import annotations

import sys
from pathlib import Path

from chalice import Chalice

# `functions/` is the root of every Lambda package: its code imports `shared`,
# `products`, ... as top-level packages, exactly as it does inside a deployed function.
FUNCTIONS_DIR = str(Path(__file__).resolve().parent / "functions")
if FUNCTIONS_DIR not in sys.path:
    sys.path.insert(0, FUNCTIONS_DIR)

from health.routes import bp as health  # noqa: E402
from inventory.routes import bp as inventory  # noqa: E402
from payments.routes import bp as payments  # noqa: E402
from products.routes import bp as products  # noqa: E402
from users.routes import bp as users  # noqa: E402

app = Chalice(app_name="shop")
app.register_blueprint(health)
app.register_blueprint(inventory)
app.register_blueprint(payments)
app.register_blueprint(products)
app.register_blueprint(users)
