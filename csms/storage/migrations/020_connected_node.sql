-- Several nodes share one database (docs/cluster.md): the node holding a station's socket
-- is written with its connected flag, so a node's start-up, shutdown and a dead node's
-- clean-up touch only that node's stations. Depends on 001 (stations).
ALTER TABLE stations ADD COLUMN connected_node text;
