package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
)

// WebhookHandler receives the provider's payment status webhooks.
type WebhookHandler struct {
	Store  *Store
	Secret []byte
}

type paymentEvent struct {
	Type         string `json:"type"`
	OrderID      string `json:"order_id"`
	PSPPaymentID string `json:"payment_id"`
}

// ServeHTTP checks the webhook's signature and applies the status change.
// threatls: exposes webhook-replay -- the v2 signature covers the body only, no timestamp or nonce
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if !h.validSignature(body, r.Header.Get("X-PSP-Signature")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev paymentEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if ev.Type == "payment.captured" {
		if err := h.Store.MarkPaid(r.Context(), ev.OrderID, ev.PSPPaymentID); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// validSignature checks the HMAC-SHA256 of the body, hex-encoded, in constant time.
func (h *WebhookHandler) validSignature(body []byte, signature string) bool {
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, h.Secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
