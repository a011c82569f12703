/**
 * The MeshBox web UI (Javalin, on Kiali's port 20001): topology, scenarios, config and traffic views.
 * A placeholder until the UI issue: the module exists so the build layout is final.
 */
package dev.meshbox.webui;
