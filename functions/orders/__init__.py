"""Orders: placed over HTTP, processed asynchronously over SQS (the order saga)."""
