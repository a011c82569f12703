/**
 * istiod's JWKS resolver: fetches the key sets that RequestAuthentication's {@code jwksUri}s name, so translation can
 * inline them into the proxies' {@code jwt_authn} providers (MeshBox's proxies never fetch keys themselves). The only
 * network this control plane touches besides xDS; translation stays a pure function of what was fetched.
 */
package dev.meshbox.controlplane.jwks;
