"""`chalice local`, twice in one process: as this project runs it, and stock.

    python -m bench.chalice_server --stack-file .local/bench/stack.json --port 8001 --stock-port 8002

Built the way `chalice local --stage local` builds its server (same config, same app
import, same LocalDevServer), except that SHOP_STACK_FILE points at the bench's stack.
On --port the request handler is the one app.py configured (TCP_NODELAY); on
--stock-port it is chalice's handler with Nagle's algorithm left on, as shipped.
"""
from __future__ import annotations

import argparse
import functools
import os
import threading
from pathlib import Path

from chalice import local
from chalice.cli.factory import CLIFactory

ROOT = Path(__file__).resolve().parent.parent


class StockChaliceRequestHandler(local.ChaliceRequestHandler):
    disable_nagle_algorithm = False  # chalice's default (socketserver.StreamRequestHandler)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack-file", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stock-port", type=int, required=True)
    args = parser.parse_args()

    os.environ["AWS_CHALICE_CLI_MODE"] = "true"
    # Without the usage-plan layer app.py puts in front of chalice local: its plans are the
    # template's (50 req/s at most), so with it this would measure the throttle, not the server.
    try:
        from infra import usage_plans
        usage_plans.install_local_gateway = lambda app, stack_file: None
    except ImportError:
        pass
    factory = CLIFactory(str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="local")
    environment = {**config.environment_variables, "SHOP_STACK_FILE": args.stack_file}
    config._user_provided_params["chalice_app"] = functools.partial(factory.load_chalice_app, environment)
    app = config.chalice_app
    ours = factory.create_local_server(app, config, "127.0.0.1", args.port)
    assert local.ChaliceRequestHandler.disable_nagle_algorithm, "app.py no longer sets TCP_NODELAY"
    stock = local.LocalDevServer(app, config, "127.0.0.1", args.stock_port,
                                 handler_cls=StockChaliceRequestHandler)
    threading.Thread(target=stock.serve_forever, daemon=True).start()
    print("ready", flush=True)
    ours.serve_forever()


if __name__ == "__main__":
    main()
