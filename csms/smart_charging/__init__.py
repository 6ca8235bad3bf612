"""Smart charging for mixed AC and DC sites (seed 004 第2条12-14, 第4条7): sites and feeders,
charging profiles on both versions, the allocator (power sharing, dynamic control, boost)
and the demand guard."""
