/**
 * The mesh's certificate authority, istiod's role: a root (generated, or Istio's {@code cacerts} files), workload
 * certificates carrying SPIFFE identities, and their rotation at half-life. What it issues reaches the proxies as the
 * SDS secrets {@code default} and {@code ROOTCA} (see {@code translate.SdsSecrets}).
 */
package dev.meshbox.controlplane.security;
