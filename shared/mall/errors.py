"""Domain errors: each carries the contract's error code and HTTP status; the API layer maps them once."""

from __future__ import annotations


class DomainError(Exception):
    code = "ERROR"
    status = 400

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.code.replace("_", " ").lower())
        self.message = message or self.code.replace("_", " ").lower()


class ValidationFailed(DomainError):
    code, status = "VALIDATION_ERROR", 400


class Unauthenticated(DomainError):
    code, status = "UNAUTHENTICATED", 401


class InvalidCode(DomainError):
    code, status = "INVALID_CODE", 401


class Forbidden(DomainError):
    code, status = "FORBIDDEN", 403


class AccountFrozen(DomainError):
    code, status = "ACCOUNT_FROZEN", 403


class TierRequired(DomainError):
    code, status = "TIER_REQUIRED", 403


class MemberNotFound(DomainError):
    code, status = "MEMBER_NOT_FOUND", 404


class ProductNotFound(DomainError):
    code, status = "PRODUCT_NOT_FOUND", 404


class OrderNotFound(DomainError):
    code, status = "ORDER_NOT_FOUND", 404


class SaleNotFound(DomainError):
    code, status = "SALE_NOT_FOUND", 404


class ClaimNotFound(DomainError):
    code, status = "CLAIM_NOT_FOUND", 404


class EventNotFound(DomainError):
    code, status = "EVENT_NOT_FOUND", 404


class DrawNotFound(DomainError):
    code, status = "DRAW_NOT_FOUND", 404


class AlreadySignedIn(DomainError):
    code, status = "ALREADY_SIGNED_IN", 409


class IdempotencyConflict(DomainError):
    code, status = "IDEMPOTENCY_CONFLICT", 409


class IdempotencyKeyRequired(DomainError):
    code, status = "IDEMPOTENCY_KEY_REQUIRED", 400


class InsufficientPoints(DomainError):
    code, status = "INSUFFICIENT_POINTS", 409


class OutOfStock(DomainError):
    code, status = "OUT_OF_STOCK", 409


class LimitReached(DomainError):
    code, status = "LIMIT_REACHED", 409


class NotCancellable(DomainError):
    code, status = "NOT_CANCELLABLE", 409


class NotPayable(DomainError):
    code, status = "NOT_PAYABLE", 409


class InvalidStatus(DomainError):
    code, status = "INVALID_STATUS", 409


class SoldOut(DomainError):
    code, status = "SOLD_OUT", 409


class AlreadyClaimed(DomainError):
    code, status = "ALREADY_CLAIMED", 409


class SaleNotActive(DomainError):
    code, status = "SALE_NOT_ACTIVE", 409


class VersionConflict(DomainError):
    code, status = "VERSION_CONFLICT", 409


class InvalidClient(DomainError):
    code, status = "INVALID_CLIENT", 401


class ClientNotFound(DomainError):
    code, status = "CLIENT_NOT_FOUND", 404


class RateLimited(DomainError):
    """Too many requests of one kind from one member in the current minute; `retry_after` in seconds."""

    code, status = "RATE_LIMITED", 429

    def __init__(self, message: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class ReversalExceedsPurchase(DomainError):
    code, status = "REVERSAL_EXCEEDS_PURCHASE", 409


class DrawNotActive(DomainError):
    code, status = "DRAW_NOT_ACTIVE", 409


class DeductionLimit(DomainError):
    code, status = "DEDUCTION_LIMIT", 409


class DeductionNotFound(DomainError):
    code, status = "DEDUCTION_NOT_FOUND", 404


class Contention(Exception):
    """Optimistic-lock retries ran out of the time budget; never a client's fault (maps to 503)."""
