// Swagger UI on the live document, plus a one-click dev login that fills in the bearer token.
const ui = window.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
});

const status = document.getElementById('dev-status');
document.getElementById('dev-login').addEventListener('click', async () => {
  const code = document.getElementById('dev-code').value.trim();
  status.textContent = 'logging in…';
  const res = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  const body = await res.json();
  if (!res.ok) {
    status.textContent = `${body.error?.code}: ${body.error?.message}`;
    return;
  }
  ui.preauthorizeApiKey('bearerAuth', body.token);
  status.textContent = `authorized as ${code} until ${body.expiresAt}`;
});
