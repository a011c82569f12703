/**
 * Kubernetes Gateway API resources (Gateway, HTTPRoute, ReferenceGrant) turned into the internal Istio model, as
 * Istio's {@code pilot/pkg/config/kube/gateway} does: each Gateway listener becomes a server of an internal Gateway
 * selecting the {@code <name>-istio} deployment, each HTTPRoute a share of the VirtualServices of its parents (one per
 * parent and hostname, rules split per match and sorted by the Gateway API's precedence), and a Service parent (GAMMA)
 * a mesh VirtualService for that service. The existing translation then produces the Envoy resources. The statuses
 * (Accepted, ResolvedRefs, Programmed, with Istio's reasons) come out of the same pure function.
 */
package dev.meshbox.controlplane.gatewayapi;
