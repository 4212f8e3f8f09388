"""Credential cores: one class per credential holding its parameters and composing protocol flows.

The public sync and async classes add a driver mixin from ``azauth._io`` to these cores.
"""
