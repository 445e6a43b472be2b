"""Links between spans, of every relation the scheme defines: list, commands, menus."""
