"""CLI subcommands; each module exposes add_parser(subparsers) and sets `handler` on its parser."""

COMMAND_MODULES = (
    "aftersales.commands.run",
    "aftersales.commands.db",
    "aftersales.commands.products",
)
