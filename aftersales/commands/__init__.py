"""CLI subcommands; each module exposes add_parser(subparsers) and sets `handler` on its parser."""

COMMAND_MODULES = (
    "aftersales.commands.run",
    "aftersales.commands.db",
    "aftersales.commands.products",
    "aftersales.commands.demo",
    "aftersales.commands.backup",
    "aftersales.commands.customer",
    "aftersales.commands.case",
    "aftersales.commands.report",
    "aftersales.commands.staff",
    "aftersales.commands.api_keys",
    "aftersales.commands.webhooks",
)
