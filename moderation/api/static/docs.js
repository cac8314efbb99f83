// Starts Swagger UI on /docs. A file of its own, not an inline script: the page's
// Content-Security-Policy runs only scripts served by us.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: document.body.dataset.specUrl,
    dom_id: "#swagger-ui",
    // The default sends the document's address to validator.swagger.io.
    validatorUrl: null,
  });
});
