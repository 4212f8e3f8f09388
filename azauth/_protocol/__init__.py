"""Sans-IO protocol logic: flows are generators over plain data; the caller performs every step.

Nothing in this package does I/O, reads the environment, sleeps or reads a clock: the drivers in
``azauth._io`` perform the steps a flow yields and send the outcome back in.
"""
