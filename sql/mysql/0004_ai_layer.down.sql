-- domain: ai_layer
-- seed: 001
-- description: Reverts 0004

DROP TABLE cached_responses;
DROP TABLE context_windows;
