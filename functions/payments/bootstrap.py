"""Wires the payments use cases to their adapters, once per process, from the environment."""
from __future__ import annotations

from dataclasses import dataclass

from payments.card_network import AbstractCardProcessor, SimulatedCardProcessor
from payments.repository import AbstractPaymentRepository, DynamoDBPaymentRepository
from shared.bootstrap import Wiring


@dataclass(frozen=True)
class PaymentServices:
    payments: AbstractPaymentRepository
    processor: AbstractCardProcessor


def _services_from_environ() -> PaymentServices:
    # The table's name (PAYMENTS_TABLE) is read where its models are declared, at import.
    # The simulated processor is the only one there is for now; a real provider's
    # adapter replaces it here.
    return PaymentServices(payments=DynamoDBPaymentRepository(), processor=SimulatedCardProcessor())


_wiring = Wiring(_services_from_environ)
create_services = _wiring.create_services
override_services = _wiring.override_services
