"""Tooling for demos, tests and benchmarks, outside the pipeline's core: the generator of
realistic legacy data (`devtools.demo`) and the legacy tables' DDL it creates them with."""
