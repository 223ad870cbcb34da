// What the console knows about the API comes from the API's own document (/openapi.json): which routes
// exist (a page appears when its routes do) and the request schemas its forms are built from.

export async function loadDocument() {
  const res = await fetch('/openapi.json');
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  return res.json();
}

/** hasRoute(doc, 'GET /admin/audit'): the path as written in the document, with {params}. */
export function hasRoute(doc, routeKey) {
  const [method, path] = routeKey.split(' ');
  return Boolean(doc.paths?.[path]?.[method.toLowerCase()]);
}

export function operation(doc, routeKey) {
  const [method, path] = routeKey.split(' ');
  return doc.paths?.[path]?.[method.toLowerCase()] || null;
}

/** Follow $ref (one level; nested refs are followed as the form walks down). */
export function resolve(doc, schema) {
  let current = schema || {};
  while (current.$ref) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = { ...doc.components.schemas[name], ...Object.fromEntries(Object.entries(current).filter(([k]) => k !== '$ref')) };
  }
  return current;
}

export function requestSchema(doc, routeKey) {
  const op = operation(doc, routeKey);
  const schema = op?.requestBody?.content?.['application/json']?.schema;
  return schema ? resolve(doc, schema) : null;
}
