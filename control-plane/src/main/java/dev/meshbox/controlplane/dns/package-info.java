/**
 * The box's stand-in for istiocoredns: a loopback DNS server answering {@code *.global} names from ServiceEntries, for
 * Istio's older replicated-control-planes multi-cluster model. It reads the config store and nothing else.
 */
package dev.meshbox.controlplane.dns;
