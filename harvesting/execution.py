"""Executing a harvest exactly once: sell the lot, then buy the replacement with what the sale raised.

Each order's idempotency key is its ``client_order_id``. A task that dies after submitting finds the
order again by that key on its next run (``get_order``); it never submits twice. Each fill becomes a
ledger transaction in the same database transaction as the order's update, and the household's lots
are rebuilt from the ledger, so the engine (wash sales included) stays the single source of truth.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

from brokers import paper
from brokers.base import Broker, BrokerError, BrokerOrder, BrokerOrderStatus, OrderNotFound, OrderRequest, Side
from brokers.market_clock import market_date, market_now, market_today
from brokers.paper import PaperBroker
from harvesting.models import (
    Automation,
    HarvestPolicy,
    Opportunity,
    OpportunityStatus,
    Order,
    OrderStatus,
    TradingControls,
)
from portfolios.locks import household_lock
from portfolios.models import Account, Action, Security, Transaction, User
from portfolios.price_store import latest_quotes
from portfolios.services import household_rebuild_lots
from taxharvest.errors import ApplicationError
from taxharvest.schedules import schedule_every_minute

logger = logging.getLogger(__name__)
SHARE_PLACES = Decimal("0.0001")
FINAL = {OrderStatus.FILLED, OrderStatus.REJECTED, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
POLL_AFTER = timedelta(minutes=1)


def broker_for(account: Account) -> Broker:
    """The account's broker: Alpaca through the firm's connection (or the ALPACA_* settings), else the paper
    broker on stored prices. A disabled connection trades nothing."""
    if account.broker == "alpaca":
        from brokers.alpaca import alpaca_broker_for_connection, alpaca_broker_from_settings
        from brokers.models import BrokerConnection

        connection = BrokerConnection.objects.filter(firm_id=account.household.firm_id, broker="alpaca").first()
        if connection is None:
            return alpaca_broker_from_settings()
        if not connection.enabled:
            raise BrokerError(f"The firm's broker connection {connection.label!r} is disabled", retryable=False)
        return alpaca_broker_for_connection(connection)
    return PaperBroker(_stored_price, _half_spread_bps(), paper.behaviour)


def _half_spread_bps() -> Decimal:
    return Decimal(str(getattr(settings, "PAPER_HALF_SPREAD_BPS", "5")))


def _stored_price(symbol: str) -> tuple[Decimal, object] | None:
    security = Security.objects.filter(symbol=symbol, tradable=True).first()
    if security is None:
        return None
    quote = latest_quotes([security.pk]).get(security.pk)
    return None if quote is None else (quote.price, quote.at)


# --- decisions ---------------------------------------------------------------------------------------


NOT_OPEN = {
    OpportunityStatus.APPROVED: "was already approved{by}; its orders are on the Orders page",
    OpportunityStatus.EXECUTED: "was already executed",
    OpportunityStatus.REJECTED: "was rejected{by}",
    OpportunityStatus.EXPIRED: "is no longer offered",
    OpportunityStatus.BLOCKED: "is blocked by the wash-sale rule",
}


def _not_open(opportunity: Opportunity, verb: str) -> str:
    """Why ``opportunity`` cannot be approved or rejected: what happened to it, in the advisor's words."""
    by = f" by {opportunity.decided_by}" if opportunity.decided_by_id else ""
    state = NOT_OPEN.get(OpportunityStatus(opportunity.status), "is not open").format(by=by)
    reason = f" ({opportunity.decision_reason})" if opportunity.decision_reason else ""
    return f"Not {verb}: this {opportunity.security.symbol} harvest {state}{reason}."


def opportunity_approve(*, opportunity: Opportunity, user: User | None, automatic: bool = False) -> Order:
    """Approve a harvest: create its sell order and queue the execution.

    Anything no longer open is refused with what happened to it. An opportunity whose lot was sold or
    changed since the scan is withdrawn (with the reason, which the pages show) and refused.
    """
    outcome = _approve(opportunity.pk, user, automatic)
    if isinstance(outcome, str):
        raise ApplicationError(outcome)
    return outcome


@transaction.atomic
def _approve(opportunity_id: int, user: User | None, automatic: bool) -> Order | str:
    # The household's lock first, as every writer takes it: a scan rewriting the plan in place cannot
    # overwrite this decision, and a fill cannot change the lot between the check and the order.
    _lock_household_of(opportunity_id)
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("household__firm", "security", "decided_by")
        .get(pk=opportunity_id)
    )
    if opportunity.status != OpportunityStatus.OPEN:
        raise ApplicationError(_not_open(opportunity, "approved"))
    if opportunity.explanation.get("action") not in ("harvest", "switch back") or opportunity.rank is None:
        raise ApplicationError("Only a recommended harvest (or switch-back) can be approved.")
    if opportunity.expires_at < market_now():
        return _withdraw(opportunity, "The offer expired at the market close; the next scan values it again.")
    lot = opportunity.current_lot()
    if lot is None or lot.account_id != opportunity.account_id:
        return _withdraw(opportunity, "Withdrawn: the lot has been sold since the scan.")
    if lot.quantity != opportunity.quantity:
        return _withdraw(
            opportunity,
            f"Withdrawn: the lot now holds {lot.quantity.normalize():f} shares, not the "
            f"{opportunity.quantity.normalize():f} the scan valued; the next scan values it again.",
        )
    notional = opportunity.quantity * opportunity.price
    _check_guardrails(opportunity, notional)
    order = Order(
        opportunity=opportunity,
        account=lot.account,
        security=opportunity.security,
        side=Side.SELL,
        quantity=opportunity.quantity,
        lot_name=opportunity.lot_name,
        client_order_id=f"th-{opportunity.pk}-sell",
        status=OrderStatus.APPROVED,
        broker=lot.account.broker,
        approved_by=user,
        approved_automatically=automatic,
        tax_value_at_decision=opportunity.tax_value,
        model_version_at_decision=opportunity.model_version.version if opportunity.model_version else "",
        market_date=market_today(),
    )
    # The audit history names who decided; outside a request, simple_history would not know.
    order._history_user = user  # type: ignore[attr-defined]
    order.save()
    opportunity.status = OpportunityStatus.APPROVED
    opportunity.decided_by = user
    opportunity.decision_reason = ""
    opportunity._history_user = user  # type: ignore[attr-defined]
    opportunity.save(update_fields=["status", "decided_by", "decision_reason"])
    transaction.on_commit(lambda: async_task("harvesting.execution.execute_harvest_task", opportunity.pk))
    return order


def _lock_household_of(opportunity_id: int) -> None:
    household_lock(Opportunity.objects.values_list("household_id", flat=True).get(pk=opportunity_id))


def _withdraw(opportunity: Opportunity, reason: str) -> str:
    """Take an opportunity off the table with the reason (kept: the caller's transaction commits)."""
    return _close(opportunity, OpportunityStatus.EXPIRED, reason)


@transaction.atomic
def opportunity_reject(*, opportunity: Opportunity, user: User, reason: str) -> Opportunity:
    _lock_household_of(opportunity.pk)
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("security", "decided_by")
        .get(pk=opportunity.pk)
    )
    if opportunity.status not in (OpportunityStatus.OPEN, OpportunityStatus.BLOCKED):
        raise ApplicationError(_not_open(opportunity, "rejected"))
    if not reason.strip():
        raise ApplicationError("Say why you reject it.")
    opportunity.status = OpportunityStatus.REJECTED
    opportunity.decided_by = user
    opportunity.decision_reason = reason.strip()[:200]
    opportunity._history_user = user  # type: ignore[attr-defined]
    opportunity.save(update_fields=["status", "decided_by", "decision_reason"])
    return opportunity


def approve_automatic(run_id: int, household_id: int) -> int:
    """Approve a household's recommended harvests from a run when its policy is automatic; return how many.

    Within the firm's guardrails: the first harvest that would cross them stops the rest.
    """
    if not HarvestPolicy.objects.filter(household_id=household_id, automation=Automation.AUTOMATIC).exists():
        return 0
    approved = 0
    for opportunity in Opportunity.objects.filter(
        run_id=run_id, household_id=household_id, status=OpportunityStatus.OPEN, rank__isnull=False
    ).order_by("rank"):
        try:
            opportunity_approve(opportunity=opportunity, user=None, automatic=True)
            approved += 1
        except ApplicationError as exc:
            logger.info("automatic harvest %s not approved: %s", opportunity.pk, exc.message)
            break
    return approved


def _check_guardrails(opportunity: Opportunity, notional: Decimal) -> None:
    controls = TradingControls.objects.filter(firm=opportunity.household.firm).first()
    if controls is None:
        return
    if controls.kill_switch:
        raise ApplicationError("Trading is halted: the firm's kill switch is on.")
    today = Order.objects.filter(opportunity__household=opportunity.household, market_date=market_today())
    if today.count() + 2 > controls.max_orders_per_household_per_day:
        raise ApplicationError("The household has reached its maximum number of orders for today.")
    traded = sum((o.quantity * (o.average_price or opportunity.price) for o in today), Decimal(0))
    if traded + 2 * notional > controls.max_notional_per_household_per_day:
        raise ApplicationError("This harvest would exceed the household's daily notional limit.")


# --- execution ---------------------------------------------------------------------------------------


def execute_harvest_task(opportunity_id: int) -> str:
    """django-q2 task: advance a harvest as far as the broker allows; safe to run any number of times,
    in any number of workers at once (the one that holds the harvest does the work)."""
    return execute_harvest(opportunity_id)


@transaction.atomic
def execute_harvest(opportunity_id: int) -> str:
    """Advance one harvest: submit or find its sell, record fills, place or find its buy, close it.

    The household's lock is held for the whole step (the lock order everywhere: household, then rows),
    so two workers (a queued task and the reconciler) never advance it at once: the second waits, then
    finds it done. Every broker call is keyed by the order's client order id, so a worker killed at any
    point leaves nothing the next run would send twice: it looks the order up first. A crash before the
    commit rolls back the ledger writes; the next run records them again from what the broker says.
    """
    _lock_household_of(opportunity_id)
    opportunity = Opportunity.objects.select_for_update(of=("self",)).select_related("household").get(pk=opportunity_id)
    if opportunity.status != OpportunityStatus.APPROVED:
        return f"nothing to do: the opportunity is {opportunity.status}"
    sell = opportunity.orders.filter(side=Side.SELL).first()
    if sell is None:
        return _close(opportunity, OpportunityStatus.OPEN, "Approved without an order; approve it again.")
    sell = advance_order(sell)
    if sell.status not in FINAL:
        _poll_later(opportunity_id)
        return f"sell {sell.status}"
    if sell.filled_quantity == 0:
        return _close(opportunity, OpportunityStatus.OPEN, f"The sale failed: {sell.reason or sell.status}")
    buy = opportunity.orders.filter(side=Side.BUY).first() or _create_buy(opportunity, sell)
    if buy is None:
        return _close(opportunity, OpportunityStatus.EXECUTED, "Sold; no replacement was bought.")
    buy = advance_order(buy)
    if buy.status not in FINAL:
        _poll_later(opportunity_id)
        return f"buy {buy.status}"
    if buy.filled_quantity == 0:
        reason = f"Sold; the replacement purchase {buy.get_status_display().lower()}: {buy.reason or 'nothing filled'}"
        return _close(opportunity, OpportunityStatus.EXECUTED, reason)
    _close(opportunity, OpportunityStatus.EXECUTED, "")
    return f"sold {sell.filled_quantity}, bought {buy.filled_quantity}"


def _close(opportunity: Opportunity, status: str, reason: str) -> str:
    """Give the opportunity its final (or returned) status and the reason; saved with its audit history."""
    opportunity.status, opportunity.decision_reason = status, reason[:200]
    opportunity.save(update_fields=["status", "decision_reason"])
    return reason or status


UNFINISHED = [OrderStatus.APPROVED, OrderStatus.SUBMITTED, OrderStatus.PARTIALLY_FILLED]


def unfinished_harvests() -> list[int]:
    """Every harvest that an approval started and nothing has finished: approved and not executed (a sale
    not yet sent, sent and not final, or filled without its replacement buy), or with an order not final."""
    approved = Opportunity.objects.filter(status=OpportunityStatus.APPROVED).values_list("pk", flat=True)
    working = Order.objects.filter(status__in=UNFINISHED).values_list("opportunity_id", flat=True)
    return sorted({*approved, *working})


def reconcile_executions() -> str:
    """django-q2 (every minute, and once whenever a worker starts): advance every unfinished harvest.

    Correctness never depends on the queue delivering an execution task exactly once (the Redis broker
    does not acknowledge: a killed worker's task is gone): whatever a task was to do, this does.
    """
    advanced, failed = 0, 0
    for opportunity_id in unfinished_harvests():
        try:
            outcome = execute_harvest(opportunity_id)
        except Exception:
            failed += 1
            logger.exception("reconciling harvest %s failed; the next run tries again", opportunity_id)
            continue
        advanced += 1
        logger.info("reconciled harvest %s: %s", opportunity_id, outcome)
    return f"{advanced} advanced, {failed} failed"


def reconcile_on_worker_start(sender: object, proc_name: str, **kwargs: object) -> None:
    """Receiver of django-q2's ``post_spawn``: a cluster that starts resumes what a killed one left.

    Not in django-q2's sync mode (tests), where every task runs inline and "spawns" a worker itself.
    """
    if Conf.SYNC:
        return
    async_task("harvesting.execution.reconcile_executions", task_name=f"reconcile-at-start-{proc_name}"[:100])


RECONCILE_SCHEDULE = "reconcile-executions"


def reconcile_schedule_ensure() -> None:
    """Book the reconciler to run every minute (idempotent; run after migrations)."""
    schedule_every_minute(name=RECONCILE_SCHEDULE, func="harvesting.execution.reconcile_executions")


# --- the orders page: retry and cancel what is stuck ---------------------------------------------------


def order_is_stuck(order: Order) -> bool:
    """An order whose harvest has not finished: not final, or a filled sale whose buy was never placed."""
    if order.status in UNFINISHED:
        return True
    return bool(
        order.side == Side.SELL and order.filled_quantity > 0 and order.opportunity.status == OpportunityStatus.APPROVED
    )


def order_retry(*, order: Order, user: User) -> str:
    """Advance the order's harvest now, as the reconciler would; return what happened."""
    if not order_is_stuck(order):
        state = order.get_status_display().lower()
        raise ApplicationError(f"Nothing to retry: the {order.side} of {order.security.symbol} is {state}.")
    return execute_harvest(order.opportunity_id)


@transaction.atomic
def order_cancel(*, order: Order, user: User) -> Order:
    """Cancel an order that has not finished, through the broker when it was sent; the harvest closes.

    A sell cancelled before anything filled closes its harvest as rejected; a buy cancelled after the
    sale filled closes it as executed without the replacement, saying so.
    """
    _lock_household_of(order.opportunity_id)
    Opportunity.objects.select_for_update(of=("self",)).filter(pk=order.opportunity_id).first()
    order = Order.objects.select_related("account__household", "security", "opportunity").get(pk=order.pk)
    if order.status in FINAL:
        raise ApplicationError(f"Not cancelled: the order is already {order.get_status_display().lower()}.")
    broker = broker_for(order.account)
    try:
        result: BrokerOrder | None = broker.cancel_order(order.client_order_id)
    except OrderNotFound:
        result = None  # never reached the broker: it is cancelled here, and nothing will send it
    if result is not None:
        # Whatever filled before the cancel took effect is recorded first (the ledger must hold every fill).
        order = _record(order, result)
        if order.status == OrderStatus.FILLED:
            raise ApplicationError("Not cancelled: the order filled at the broker before it could be cancelled.")
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    order.status = OrderStatus.CANCELLED
    order.reason = f"Cancelled by {user}"[:200]
    order._history_user = user  # type: ignore[attr-defined]
    order.save(update_fields=["status", "reason"])
    opportunity = order.opportunity
    if order.side == Side.SELL and order.filled_quantity == 0:
        _close(opportunity, OpportunityStatus.REJECTED, f"The sale was cancelled by {user} before it traded.")
    elif order.side == Side.BUY:
        _close(opportunity, OpportunityStatus.EXECUTED, f"Sold; the replacement purchase was cancelled by {user}.")
    else:
        transaction.on_commit(lambda: async_task("harvesting.execution.execute_harvest_task", opportunity.pk))
    return order


def _create_buy(opportunity: Opportunity, sell: Order) -> Order | None:
    """The replacement, sized to what the sale actually raised (a partial fill buys less)."""
    if opportunity.replacement is None:
        return None
    quote = _stored_price(opportunity.replacement.symbol)
    if quote is None:
        return None
    proceeds = sell.filled_quantity * (sell.average_price or Decimal(0))
    # Sized at the price plus the expected half-spread, so the purchase never costs more than the sale raised.
    ask = quote[0] * (1 + _half_spread_bps() / 10000)
    quantity = (proceeds / ask).quantize(SHARE_PLACES, ROUND_DOWN)
    if quantity <= 0:
        return None
    order, _ = Order.objects.get_or_create(
        client_order_id=f"th-{opportunity.pk}-buy",
        defaults={
            "opportunity": opportunity,
            "account": sell.account,
            "security": opportunity.replacement,
            "side": Side.BUY,
            "quantity": quantity,
            "status": OrderStatus.APPROVED,
            "broker": sell.broker,
            "approved_by": sell.approved_by,
            "approved_automatically": sell.approved_automatically,
            "tax_value_at_decision": sell.tax_value_at_decision,
            "model_version_at_decision": sell.model_version_at_decision,
            "market_date": market_today(),
        },
    )
    return order


def advance_order(order: Order) -> Order:
    """Submit an approved order (or find it again), then record whatever the broker says has filled."""
    broker = broker_for(order.account)
    if order.status == OrderStatus.APPROVED:
        controls = TradingControls.objects.filter(firm_id=order.account.household.firm_id).first()
        if controls is not None and controls.kill_switch:
            return order  # stays approved; submitted when the switch is off and the task runs again
        try:
            # A run that died after submitting left the order at the broker: find it, never send it again.
            result = broker.get_order(order.client_order_id)
        except OrderNotFound:
            if not isinstance(broker, PaperBroker) and not broker.account_status().market_open:
                return order  # a live broker: the order waits, approved, until the market opens
            request = OrderRequest(order.client_order_id, order.security.symbol, Side(order.side), order.quantity)
            try:
                result = broker.submit_order(request)
            except BrokerError as exc:
                if not exc.retryable:
                    return _record(order, None, reason=exc.message)
                try:
                    result = broker.get_order(order.client_order_id)  # it may have arrived after all
                except OrderNotFound:
                    raise exc from None  # never arrived: the task's retry submits it, once
    else:
        if order.status in FINAL:
            return order
        result = broker.get_order(order.client_order_id)
    return _record(order, result)


@transaction.atomic
def _record(order: Order, result: BrokerOrder | None, reason: str = "") -> Order:
    """Update the order and its ledger transaction together; rebuild the household's lots."""
    household_lock(order.account.household_id)
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("account__household", "security").get(pk=order.pk)
    )
    if result is None:
        order.status, order.reason = OrderStatus.REJECTED, reason[:200]
        order.save(update_fields=["status", "reason"])
        return order
    order.broker_order_id = result.broker_order_id
    order.submitted_at = order.submitted_at or result.submitted_at or timezone.now()
    order.status = {
        BrokerOrderStatus.ACCEPTED: OrderStatus.SUBMITTED,
        BrokerOrderStatus.PARTIALLY_FILLED: OrderStatus.PARTIALLY_FILLED,
        BrokerOrderStatus.FILLED: OrderStatus.FILLED,
        BrokerOrderStatus.REJECTED: OrderStatus.REJECTED,
        BrokerOrderStatus.CANCELLED: OrderStatus.CANCELLED,
        BrokerOrderStatus.EXPIRED: OrderStatus.EXPIRED,
    }[result.status]
    order.reason = result.reason[:200]
    if result.filled_quantity > order.filled_quantity and result.average_price is not None:
        order.filled_quantity, order.average_price = result.filled_quantity, result.average_price
        order.filled_at = result.filled_at or market_now()
        trade_date = market_date(order.filled_at)
        fields = {
            "account": order.account,
            "security": order.security,
            "action": Action.SELL if order.side == Side.SELL else Action.BUY,
            "trade_date": trade_date,
            "quantity": order.filled_quantity,
            "price": order.average_price,
            "lot_name": order.lot_name,
        }
        if order.transaction_id is None:
            order.transaction = Transaction.objects.create(**fields)
        else:
            Transaction.objects.filter(pk=order.transaction_id).update(**fields)
        order.save()
        household_rebuild_lots(household=order.account.household)
    else:
        order.save()
    return order


def _poll_later(opportunity_id: int) -> None:
    """Check again in a minute (an order waiting for the market to open, or still filling)."""
    name = f"harvest-{opportunity_id}-poll"
    if not Schedule.objects.filter(name=name, next_run__gt=timezone.now()).exists():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": "harvesting.execution.execute_harvest_task",
                "args": str(opportunity_id),
                "schedule_type": Schedule.ONCE,
                "next_run": timezone.now() + POLL_AFTER,
            },
        )
