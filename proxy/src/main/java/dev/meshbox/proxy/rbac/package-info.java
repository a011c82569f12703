/**
 * Envoy's RBAC engine over MeshBox's own records: {@link dev.meshbox.proxy.rbac.RbacPolicies} (one filter's action and
 * named policies) decides an {@link dev.meshbox.proxy.rbac.RbacRequest} by walking the
 * {@link dev.meshbox.proxy.rbac.Permission} and {@link dev.meshbox.proxy.rbac.Principal} trees. The xDS layer
 * ({@code spec.RbacFilterType}) builds the records once per update; {@code filter.RbacFilter} asks per request.
 */
package dev.meshbox.proxy.rbac;
