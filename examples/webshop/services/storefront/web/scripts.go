package web

import (
	"crypto/sha512"
	"encoding/base64"
	"html/template"
	"net/http"
)

// CheckoutScripts are the scripts of the checkout page with the Subresource Integrity hash
// the browser checks before it runs them. A changed file is refused by the browser, and
// TestCheckoutScriptsUnchanged fails the build until the change is reviewed.
var CheckoutScripts = []Script{
	{Src: "/assets/checkout.js", Integrity: "sha384-3n6Nw5Qb2g0kT0yE1vJdS8Xo7cHqfWm2Lr9pUaZ4tYiKxGjVbN1sDeF5hMoP6wRq"},
	{Src: "https://js.zahlungsdienst.example/v2/hosted-fields.js", Integrity: "sha384-Vh2Jk8LmN4pQr6St0UvWx2Yz4Ab6Cd8Ef0Gh2Ij4Kl6Mn8Op0Qr2St4Uv6Wx8Yz"},
}

// Script is a script tag of the checkout page.
type Script struct {
	Src       string
	Integrity string
}

// SRI returns the Subresource Integrity value of a script's content.
func SRI(content []byte) string {
	sum := sha512.Sum384(content)
	return "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
}

var checkoutPage = template.Must(template.New("checkout").Parse(`<!doctype html>
<title>Checkout</title>
<div id="card-fields"></div>
{{range .}}<script src="{{.Src}}" integrity="{{.Integrity}}" crossorigin="anonymous"></script>
{{end}}`))

// Checkout serves the checkout page. The card number is typed into the provider's hosted
// fields, an iframe: the storefront only ever receives the payment token.
func Checkout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := checkoutPage.Execute(w, CheckoutScripts); err != nil {
			http.Error(w, "checkout unavailable", http.StatusInternalServerError)
		}
	})
}

// Pages serves the catalogue and the customer's account pages.
func Pages() http.Handler {
	return http.FileServer(http.Dir("static"))
}
