"""`PaymentCommandsFunction`: what other services ask of payments (see payments.contracts).

Invoked directly (Lambda Invoke), not through API Gateway. A decline is a normal
result; a transient failure (processor or table unavailable) raises, so the caller
sees a FunctionError and retries the same command, which is safe.
"""
from __future__ import annotations

from payments import service
from payments.contracts import ChargeOrder, PaymentCommand, PaymentResult, RefundOrder
from payments.domain import Payment
from payments.bootstrap import create_services
from shared.invocation import lambda_command
from shared.tracing import traced


@traced
@lambda_command(PaymentCommand)
def handle_payment_command(command: ChargeOrder | RefundOrder) -> PaymentResult:
    services = create_services()
    if isinstance(command, ChargeOrder):
        payment = service.charge_order(services.payments, services.processor, order_id=command.order_id,
                                       customer_id=command.customer_id, amount=command.amount,
                                       token=command.payment_token)
    else:
        payment = service.refund_order(services.payments, services.processor, command.order_id)
    return result_of(payment)


def result_of(payment: Payment) -> PaymentResult:
    return PaymentResult.model_validate(payment, from_attributes=True)
