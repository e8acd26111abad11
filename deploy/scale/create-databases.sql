-- The two databases of the scale-out topology (deploy/compose.yaml runs it at PostgreSQL's
-- first start; scripts/bench_scale.py creates the same ones): the diagnostic store and Rasa's
-- tracker store.
CREATE DATABASE diagnostic;
CREATE DATABASE tracker;
