"""Pure, typed transforms: attribution rules and normalisation. No I/O, no orchestration."""
