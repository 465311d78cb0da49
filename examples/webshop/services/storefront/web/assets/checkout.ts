// threatls: component storefront -- compiled to /assets/checkout.js, served with an SRI hash

// The provider's hosted-fields library, loaded by a <script> tag of the checkout page.
declare const HostedFields: {
  mount(selector: string, options: { onToken: (token: string) => void }): void;
};

interface PaymentRequest {
  orderId: string;
  cardToken: string;
}

// mountCardFields shows the provider's card fields. The card number is typed into the
// provider's iframe and never reaches this page or the storefront: only the token does.
export function mountCardFields(orderId: string): void {
  HostedFields.mount("#card-fields", {
    onToken: (token) => void submitPayment({ orderId, cardToken: token }),
  });
}

async function submitPayment(req: PaymentRequest): Promise<void> {
  const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
  const res = await fetch("/checkout/pay", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(req),
  });
  if (!res.ok) {
    throw new Error(`payment failed: ${res.status}`);
  }
  window.location.assign(`/orders/${encodeURIComponent(req.orderId)}`);
}
