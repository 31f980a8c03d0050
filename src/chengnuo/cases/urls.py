from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.my_cases, name="mine"),
    path("new/", views.start, name="start"),
    path("queue/", views.queue, name="queue"),
    path("window/", views.window, name="window"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/submit/", views.submit, name="submit"),
    path("<str:number>/decide/", views.decide, name="decide"),
    path("<str:number>/items/<str:item_code>/choose/", views.choose, name="choose"),
    path("<str:number>/items/<str:item_code>/sign/", views.sign, name="sign"),
    path("<str:number>/items/<str:item_code>/proof/", views.upload_proof, name="upload_proof"),
    path(
        "<str:number>/items/<str:item_code>/print-commitment.pdf",
        views.print_commitment,
        name="print_commitment",
    ),
    path("<str:number>/commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path(
        "<str:number>/commitments/<int:pk>/receipt.json",
        views.commitment_receipt,
        name="commitment_receipt",
    ),
    path("<str:number>/commitments/<int:pk>.pdf", views.commitment_pdf, name="commitment_pdf"),
    path("<str:number>/commitments/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:number>/proofs/<int:pk>/", views.proof_download, name="proof"),
]

public_urlpatterns = [
    path("", views.public_commitments, name="public_commitments"),
    path("hall/", views.commitment_hall, name="commitment_hall"),
    path("<int:pk>/", views.public_commitment, name="public_commitment"),
]
