"use strict";
lf.setupLanguage();
document.getElementById("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const err = document.getElementById("login-error");
  err.textContent = "";
  const {status} = await lf.api("/api/login", {
    account: document.getElementById("account").value,
    password: document.getElementById("password").value,
  });
  if (status === 200) {
    location.href = "/";
  } else {
    err.textContent = lf.t(status === 429 ? "too_many" : "bad_login");
  }
});
