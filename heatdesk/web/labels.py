"""Words the pages show that other apps define (statuses, categories, actions, roles …), listed here so
`makemessages` keeps them in the web catalog until those apps ship English catalogs of their own
(an app earlier in INSTALLED_APPS then takes precedence)."""

from django.utils.translation import gettext_noop as _

OTHER_APPS_LABELS = (
    # tickets: statuses, kinds, categories, channels, satisfaction, causes
    _("已受理"), _("已派单"), _("已响应"), _("已处置(待回访)"), _("已办结"), _("已退回"), _("已合并"),
    _("求助"), _("咨询"), _("投诉"), _("建议"), _("表扬"),
    _("暖气不热"), _("漏水/跑水"), _("停热"), _("温度不达标"), _("收费"), _("报停报开"), _("其他"),
    _("电话"), _("网站"), _("App"), _("社区"), _("主动服务"),
    _("非常满意"), _("满意"), _("基本满意"), _("不满意"),
    _("气堵(已放气)"), _("阀门问题"), _("过滤器堵塞"), _("管道/暖气片漏水"), _("供水温度/压力不足"),
    _("水力失调已调节"), _("户内系统问题"), _("房屋保温差"), _("电话指导解决"), _("非供热问题"),
    # tickets: actions and events
    _("新建工单"), _("电话指导"), _("派单"), _("接单"), _("出发"), _("到达"), _("备注"), _("处置完成"),
    _("退单"), _("申请延期"), _("批准延期"), _("催办"), _("回访"), _("未联系上办结"), _("转交"), _("合并"),
    _("上传照片"), _("升级"),
    # sla: urgency, stages, alert levels
    _("一般"), _("紧急"), _("响应"), _("处置"), _("预警"), _("超时"), _("用时 %(d)s"),
    # accounts: roles
    _("话务员"), _("专席负责人"), _("供暖所"), _("供热企业"), _("供热办"), _("系统管理员"),
    # the operator's queue groups
    _("被退回"), _("已超时"),
)  # fmt: skip
