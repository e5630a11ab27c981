from rest_framework.routers import SimpleRouter

from work.api import views

router = SimpleRouter(use_regex_path=False)
router.register("my-work", views.MyWorkViewSet, basename="api-mywork")
urlpatterns = router.urls
