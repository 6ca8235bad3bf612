"""Many nodes on NATS (docs/cluster.md): station leases in JetStream KV, commands to the node
holding a station's socket by request/reply, the live nodes and their leader, domain events
on JetStream. Without a NATS URL none of this runs and one node serves as before."""
