"""Developer-tool specs, one small module per tool: argv builder, output parser, failure classifier and
re-login hint (``common`` holds what they share and the flow that runs one)."""
