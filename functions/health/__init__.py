"""Liveness of the stack: can each table (and, later, queue) be reached?"""
