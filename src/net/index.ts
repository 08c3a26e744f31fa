/**
 * net/: the only layer with sockets (DESIGN §3). UDP transports, the RFC 7983 first-byte demux,
 * the network impairment simulator, and the simulated transports built on it.
 */
export * from './demux.js';
export * from './netsim.js';
export * from './udp-transport.js';
export * from './impaired-transport.js';
