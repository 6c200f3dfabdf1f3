"""flask packs hide|show|remove|delete|set-price|move: the admin console's pack actions for operators
without a browser (the same use cases, app/admin/packs_services.py; audited as cli:<os user>)."""
import click

from app.cli.common import exiting_on_app_error
from app.cli.packs import packs_group

STATUS_COMMANDS = {
    "show": ("published", "Publish SLUG again: listed in the store and in pickers.",
             "is published: in the store and pickers."),
    "hide": ("hidden", "Hide SLUG: no longer listed; people who own it keep it in their pickers.",
             "is hidden: not listed; owners keep it in their pickers. 'flask packs show {slug}' lists it again."),
    "remove": ("removed", "Remove SLUG: nobody sees it, owners included; their entitlements stay recorded.",
               "is removed: nobody sees it. 'flask packs show {slug}' brings it back."),
}


def _update(slug: str, **change):
    from app.admin.packs_services import update_pack
    from app.audit import cli_actor

    with exiting_on_app_error():
        return update_pack(slug, actor=cli_actor(), **change)


def _status_command(name: str, status: str, help_text: str, done: str) -> click.Command:
    @click.argument("slug")
    def command(slug):
        pack = _update(slug, status=status)
        click.echo(f"{pack.name} ({slug}) {done.format(slug=slug)}")

    command.__doc__ = help_text
    return click.command(name, help=help_text)(command)


for _name, (_status, _help, _done) in STATUS_COMMANDS.items():
    packs_group.add_command(_status_command(_name, _status, _help, _done))


@packs_group.command("set-price")
@click.argument("slug")
@click.argument("amount", type=int)
def set_price_command(slug, amount):
    """Set SLUG's price to AMOUNT in minor units of its currency (499 = $4.99; 0 = free).

    Stripe refuses charges below its minimum per currency (50 in USD and EUR)."""
    from app.payments.money import format_money

    pack = _update(slug, price_amount=amount)
    price = "is now free" if pack.price_amount == 0 else f"now costs {format_money(pack.price_amount, pack.currency)}"
    click.echo(f"{pack.name} ({slug}) {price}.")


@packs_group.command("move")
@click.argument("slug")
@click.argument("position", type=click.IntRange(min=1))
def move_command(slug, position):
    """Put SLUG at POSITION in the store and pickers (1 = first; a large number = last)."""
    pack = _update(slug, position=position)
    click.echo(f"{pack.name} ({slug}) is now number {pack.position}. 'flask packs list' shows the order.")


@packs_group.command("delete")
@click.argument("slug")
@click.confirmation_option(prompt="Delete the pack and its stickers for good?",
                           help="Do not ask for confirmation.")
def delete_command(slug):
    """Delete SLUG with its stickers, picker rows and favourites, for good.

    Only for a pack nobody ever ordered or owned: otherwise use 'flask packs hide' or 'remove'."""
    from app.admin.packs_services import delete_pack
    from app.audit import cli_actor

    with exiting_on_app_error():
        delete_pack(slug, actor=cli_actor())
    click.echo(f"Deleted {slug} and its stickers.")
