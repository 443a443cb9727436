// Swagger UI for /docs from the vendored bundle (scripts/vendor.sh): no CDN, no inline script.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({url: root.dataset.openapiUrl, dom_id: "#swagger-ui", deepLinking: true});
});
